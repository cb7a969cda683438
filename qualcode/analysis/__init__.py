"""Questions asked of the final coding, as pure data: search, co-occurrence, crosstabs,
framework summaries (export/ renders the answers)."""
