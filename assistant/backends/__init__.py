"""Where text is generated: the embedded llama.cpp runtime, or an OpenAI-compatible server."""

from assistant.backends.base import Backend, BackendError, BackendInfo

__all__ = ["Backend", "BackendError", "BackendInfo"]
