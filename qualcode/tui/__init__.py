"""Terminal apps (Textual): review and reconcile. Imported only by the commands that run them."""
