"""Questions asked of the final coding, as pure data (export/ renders the answers)."""
