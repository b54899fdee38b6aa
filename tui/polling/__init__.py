"""tui/polling"""
