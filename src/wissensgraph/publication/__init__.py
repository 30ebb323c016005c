"""The collection published: linked-data descriptions, VoID/DCAT and statistics."""
