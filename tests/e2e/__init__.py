"""Browser tests: the built site in headless system Chromium (a package, so its conftest has its own name)."""
