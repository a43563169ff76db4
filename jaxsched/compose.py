"""(placeholder: the composition algebra)"""

__all__: list[str] = []
