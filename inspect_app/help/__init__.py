"""The user guide (使用指南): one Markdown page per role, shipped in the package and served under /help."""
