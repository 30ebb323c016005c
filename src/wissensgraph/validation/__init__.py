"""SHACL validation: pyshacl in, a report in words out (German or English)."""
