"""tui/feeds"""
