"""How many conversations at once the local server should serve: tokens written per second, against one slot.

    LLAMA_SERVER=/path/to/llama-server MODEL=/path/to/model.gguf python benchmarks/local-model/slots.py

Starts llama-server on loopback (run.sh's settings but for -np, and with no prompt cache kept in RAM so
that each setting starts cold) once per setting, and sends each of CLIENTS clients the same booking-desk
calls the patterns make: a request with the two tools, then the conversation after `check_availability`
and after `book`. The floor is one slot serving one client. It prints each setting's tokens written per
second, summed over its clients, and the ratio to that floor; above 1.0 the extra slots pay.

Only on an idle machine: llama.cpp's threads wait on each other when another process holds a core, so
anything running beside it measures the machine, not the server. Speculative decoding from the prompt's
n-grams (`--spec-type ngram-simple`, `ngram-mod`, `ngram-cache`) is a setting too.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
SETTINGS = [("1 slot, 1 client", ["-np", "1"], 1), ("2 slots, 2 clients", ["-np", "2"], 2),
            ("1 slot, ngram-simple drafts", ["-np", "1", "--spec-type", "ngram-simple"], 1),
            ("1 slot, ngram-mod drafts", ["-np", "1", "--spec-type", "ngram-mod"], 1)]
TOOLS = [{"type": "function", "function": {
             "name": "check_availability",
             "description": "List the free court slots on a date, optionally at one time.",
             "parameters": {"type": "object", "required": ["date"], "properties": {
                 "date": {"type": "string", "description": "YYYY-MM-DD"},
                 "time": {"type": "string", "description": "HH:MM, optional"}}}}},
         {"type": "function", "function": {
             "name": "book", "description": "Book a court for the signed-in user.",
             "parameters": {"type": "object", "required": ["court", "date", "time"], "properties": {
                 "court": {"type": "string"}, "date": {"type": "string"}, "time": {"type": "string"}}}}}]
SYSTEM = ("You manage a tennis club's booking desk (courts A, B, C and D). Today is 2025-12-03 (Wednesday).\n"
          "Check availability before booking. If several courts are free and the user named none, ask which one.\n"
          "Ask for anything missing (day, time, court). Never book twice for one request. When a booking is\n"
          "confirmed, state the court, day, time and confirmation code.")


def _call(call_id: str, name: str, arguments: dict) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}


ASK = {"role": "user", "content": "Book court B tomorrow at 9am"}
CHECKED = [ASK, _call("c1", "check_availability", {"date": "2025-12-04", "time": "09:00"}),
           {"role": "tool", "tool_call_id": "c1", "content": "free at 2025-12-04 09:00: A, B, C, D"}]
BOOKED = [*CHECKED, _call("c2", "book", {"court": "B", "date": "2025-12-04", "time": "09:00"}),
          {"role": "tool", "tool_call_id": "c2", "content": "booked court B 2025-12-04 09:00 for alice, TC-3F9A21"}]
CONVERSATIONS = [[ASK], CHECKED, BOOKED, [{"role": "user", "content": "Any courts free tomorrow at 3pm?"}]]


def client(url: str, seed: int, rounds: int = 2) -> tuple[int, float]:
    """Tokens written and milliseconds spent writing them, over every conversation `rounds` times."""
    written, ms = 0, 0.0
    for round_ in range(rounds):
        for i, messages in enumerate(CONVERSATIONS):
            body = {"model": "m", "messages": [{"role": "system", "content": SYSTEM}, *messages], "tools": TOOLS,
                    "temperature": 0.5, "seed": seed + 10 * round_ + i, "max_tokens": 200}
            request = urllib.request.Request(f"{url}/v1/chat/completions", json.dumps(body).encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=600) as response:
                timings = json.load(response)["timings"]
            written += timings["predicted_n"]
            ms += timings["predicted_ms"]
    return written, ms


def measure(server: str, model: str, args: list[str], clients: int) -> float:
    """Tokens written per second by the server, summed over `clients` clients running at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [server, "-m", model, "--host", "127.0.0.1", "--port", str(port), "-c", "16384", "--cache-ram", "0",
               "-t", str(os.cpu_count() or 2), "--jinja", "--chat-template-file", str(HERE / "qwen-tools.jinja"),
               "--no-webui", *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(180):
            try:
                urllib.request.urlopen(f"{url}/health", timeout=2).close()
                break
            except OSError:
                time.sleep(1)
        client(url, seed=1, rounds=1)  # the model's weights paged in; not counted
        with ThreadPoolExecutor(clients) as pool:
            results = list(pool.map(lambda n: client(url, seed=100 * n), range(clients)))
        # Each client's rate is its tokens over its own writing time; at once, the server's is their sum.
        return sum(written / ms * 1000 for written, ms in results)
    finally:
        process.terminate()
        process.wait(30)


def main() -> None:
    server, model = os.environ.get("LLAMA_SERVER"), os.environ.get("MODEL")
    if not server or not model:
        sys.exit("set LLAMA_SERVER to the llama-server binary and MODEL to a .gguf file")
    floor = None
    for name, args, clients in SETTINGS:
        rate = measure(server, model, args, clients)
        floor = floor or rate
        print(f"{name:30} {rate:5.1f} tokens written/s   {rate / floor:4.2f}x one slot", flush=True)


if __name__ == "__main__":
    main()
