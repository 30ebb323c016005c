"""Links to the New Leipzig Charter: learnt model, suggestions with provenance, coverage."""
