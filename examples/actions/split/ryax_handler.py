def handle(request: dict) -> list:
    """Return one output set per name: the steps below run once per name."""
    names = [n.strip() for n in request["names"].split(",") if n.strip()]
    print(f"{len(names)} name(s)")
    return [{"name": name} for name in names]
