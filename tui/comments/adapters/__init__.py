"""tui/comments/adapters"""
