"""Pages for people: server-rendered routes, what each page shows, templates and assets."""
