def handle(request: dict) -> dict:
    """Upper-case request["text"]; also write it to report.txt (a file output)."""
    loud = request["text"].upper()
    with open("report.txt", "w") as report:
        report.write(loud + "\n")
    return {"loud": loud, "report": "report.txt"}
