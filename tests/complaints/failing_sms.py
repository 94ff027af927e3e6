"""An SMS backend that is down, for the retry test."""


class FailingBackend:
    def send(self, phone: str, text: str) -> str:
        raise ConnectionError("provider down")
