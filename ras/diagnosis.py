"""The patient's diagnosis, from a fixed list: what the outcome thresholds (MCIDs) depend on."""

from __future__ import annotations

from enum import StrEnum

from ras.errors import UserInputError

__all__ = ["Diagnosis"]


class Diagnosis(StrEnum):
    """A diagnosis group; the values are the codes stored, the labels are shown."""

    PARKINSON = "parkinson"
    STROKE = "stroke"
    OTHER = "other"
    HEALTHY = "healthy"

    @property
    def label(self) -> str:
        """The name shown to the therapist and in reports."""
        return _LABELS[self]

    @classmethod
    def from_text(cls, text: str) -> Diagnosis:
        """The diagnosis a code, label or description names (``parkinson``, ``Parkinson's
        disease, H&Y 2``, ``pd``, ``ischaemic stroke``, ``healthy control``); the same mapping
        as the schema v5 migration. A one-line UserInputError listing the choices otherwise."""
        key = " ".join(str(text).strip().lower().replace("_", " ").split())
        for d in cls:
            if key in (d.value, d.label.lower(), *_ALIASES.get(d, ())):
                return d
        if "parkinson" in key:
            return cls.PARKINSON
        if "stroke" in key or "hemipare" in key:
            return cls.STROKE
        if key.startswith("healthy"):
            return cls.HEALTHY
        choices = ", ".join(f"{d.value} ({d.label})" for d in cls)
        raise UserInputError(
            f"diagnosis {str(text)!r} is not one of: {choices}; put details in the diagnosis note"
        )

    @classmethod
    def is_exact(cls, text: str) -> bool:
        """True if ``text`` is a code or label as such (nothing more to keep as a note)."""
        key = str(text).strip().lower()
        return any(key in (d.value, d.label.lower()) for d in cls)


_LABELS = {
    Diagnosis.PARKINSON: "Parkinson's disease",
    Diagnosis.STROKE: "stroke",
    Diagnosis.OTHER: "other",
    Diagnosis.HEALTHY: "healthy control",
}
_ALIASES: dict[Diagnosis, tuple[str, ...]] = {
    Diagnosis.PARKINSON: ("pd", "parkinsons", "parkinson's", "parkinsons disease"),
    Diagnosis.HEALTHY: ("control", "healthy"),
}
