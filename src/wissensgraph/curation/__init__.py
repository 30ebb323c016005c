"""Changes of data: forms, spreadsheets and RDF in, SHACL at the door, one pipeline, history."""
