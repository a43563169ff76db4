"""(placeholder: filled in by the catalog work)"""

__all__: list[str] = []
