"""AWS: what runs on Lambda, and what puts it there.

- `lambdas/`: the Lambda runtime (in-process by default, `lambda.invoke` when configured), the list
  of the project's functions, and the Bedrock action group's function (`booking_actions.py`);
- `deploy/`: `deploy aws` — roles, the Lambda functions, Bedrock agents and the calendar's table,
  made from the definitions the code already uses: the plan (`planning.py`), checked against AWS's
  rules (`validation.py`), applied with boto3 (`applying.py`);
- `entry.py`: the handler every deployed function runs.

May import: `lambdas/` imports `calendar`, `tools` and `identity` (the patterns' tools run inside
a Lambda); `deploy/` and `entry.py` sit on top and may import `patterns`, `vendors` and `calendar`.
"""
