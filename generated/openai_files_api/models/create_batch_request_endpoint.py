from enum import StrEnum


class CreateBatchRequestEndpoint(StrEnum):
    CHAT_COMPLETIONS = "/v1/chat/completions"
    COMPLETIONS = "/v1/completions"
    EMBEDDINGS = "/v1/embeddings"
    IMAGES_EDITS = "/v1/images/edits"
    IMAGES_GENERATIONS = "/v1/images/generations"
    MODERATIONS = "/v1/moderations"
    RESPONSES = "/v1/responses"
    VIDEOS = "/v1/videos"

    def __str__(self) -> str:
        return str(self.value)

    @classmethod
    def _missing_(cls, value: object) -> "CreateBatchRequestEndpoint | None":
        """Keep a value the service added after this spec was written instead of failing the whole parse."""
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member
