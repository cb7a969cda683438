"""Questions asked of the final coding, as pure data: search, co-occurrence, crosstabs."""
