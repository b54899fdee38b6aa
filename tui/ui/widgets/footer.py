"""The footer, with the ways out and help first: at 80 columns the keys that do
not fit are cut from the right, so `q` and `?` must lead, whatever has focus."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


def _rank(binding) -> int:
    """0 for the ways out (q, esc back), 1 for help, 2 for the rest."""
    if binding.id in ("app.quit", "app.back") or binding.action.endswith(("pop_screen", "back", "dismiss")):
        return 0
    return 1 if binding.id == "app.help" else 2


class LeadFooter(Footer):
    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        shown = [(b, enabled, tip) for (_, b, enabled, tip) in active.values() if b.show]
        shown.sort(key=lambda item: _rank(item[0]))
        seen: set[str] = set()
        for binding, enabled, tooltip in shown:
            # One key a way out: a screen's "esc Back" and the app's "q Back" are
            # the same step, so the footer shows the first of them only.
            what = binding.description if _rank(binding) == 0 else binding.action
            if what in seen:
                continue
            seen.add(what)
            key = FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
                classes="-compact" if self.compact else "",
            )
            # The footer's compactness, set before the key mounts: bound with
            # data_bind, each key restyled itself twice on mounting (compact is
            # True by default, then the footer's False), ~1 ms a key, and the
            # footer is composed again whenever the bindings change.
            key.set_reactive(FooterKey.compact, self.compact)
            yield key
        self.styles.grid_size_columns = len(seen)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            _node, binding, enabled, _tip = palette
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )
