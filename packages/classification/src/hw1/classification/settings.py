"""The five settings of the study (backbone source × fine-tuning mode)."""

from __future__ import annotations

from dataclasses import dataclass

from hw1.core import Hw1Error


@dataclass(frozen=True)
class Setting:
    """One row of the study's settings table."""

    name: str
    init: str  # "random", "supervised" or "ssl": which backbone file the setting starts from
    frozen: bool  # True: backbone frozen (BN in eval mode), only the head trains

    @property
    def mode(self) -> str:
        return "frozen backbone, head only" if self.frozen else "full fine-tuning"


SETTINGS: dict[str, Setting] = {
    "A": Setting("A", "random", False),
    "B": Setting("B", "supervised", False),
    "C": Setting("C", "ssl", False),
    "D": Setting("D", "supervised", True),
    "E": Setting("E", "ssl", True),
}


def get_setting(name: str) -> Setting:
    """The setting called ``name`` (case-insensitive A–E)."""
    key = name.strip().upper()
    if key not in SETTINGS:
        raise Hw1Error(f"unknown setting {name!r}: use one of {', '.join(SETTINGS)}")
    return SETTINGS[key]
