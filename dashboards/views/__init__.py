"""View-models: each page's figures built once, for the page, its PDF and its exports."""
