def handle(request: dict) -> dict:
    """Read the file given by the upstream step and count its characters."""
    with open(request["report"]) as report:
        text = report.read()
    print(f"{request['report']}: {len(text)} characters")
    return {"characters": len(text)}
