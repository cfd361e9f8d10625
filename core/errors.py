def describe(error: BaseException) -> str:
    """An error as it is stored for a person to read: its type and message, bounded."""
    return f"{type(error).__name__}: {error}"[:1000]
