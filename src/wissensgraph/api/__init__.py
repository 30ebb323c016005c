"""HTTP interface: thin routers that translate requests into core calls."""
