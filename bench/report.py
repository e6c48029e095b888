"""What every benchmark prints: French numbers and the verdict against a target."""


def fr(number: float, digits: int = 2) -> str:
    return f"{number:.{digits}f}".replace(".", ",")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "ÉCHEC"
