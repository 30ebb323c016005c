"""The embedded store: versions, views, undo journal, locks; a remote store in its place."""
