"""`seqlab serve`: an HTTP API and web pages for typing Hindi and generating lyrics (FastAPI + uvicorn).

Kept import-light: FastAPI, torch and the models load only when the server starts (`seqlab.serve.app`).
"""
