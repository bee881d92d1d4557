from enum import StrEnum


class WebhookBatchFailedObject(StrEnum):
    EVENT = "event"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "WebhookBatchFailedObject | None":
        """Keep a value the service added after this spec was written instead of failing the whole parse."""
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
