"""Run by Rasa's own Python (.venv-rasa): classify questions with a trained NLU model.

usage: rasa_parse.py MODEL QUESTIONS_JSON OUTPUT_JSON  (output: per question, [[intent, confidence], ...])
"""

import asyncio
import json
import sys


async def main(model: str, questions_path: str, output_path: str) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    rankings = []
    for text in json.load(open(questions_path)):
        parsed = await agent.parse_message(text)
        ranking = parsed.get("intent_ranking", [])
        rankings.append([[r["name"], float(r["confidence"])] for r in ranking if r["name"] != "nlu_fallback"])
    json.dump(rankings, open(output_path, "w"))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
