def handle(request: dict) -> dict:
    """Greet request["name"], ending with request["punctuation"]."""
    print(f"greeting {request['name']}")
    return {"greeting": f"Hello, {request['name']}{request['punctuation']}"}
