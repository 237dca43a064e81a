"""Vendors: how a model is reached — the vendor edge every pattern's model call goes through.

- `settings.py`: the settings of a session (from the environment or `st.secrets`): each vendor's mode
  (real, local or offline), its model, the keys (imports nothing of the project);
- `clients.py`: the SDK clients built from those settings per session (real when a vendor is
  configured, else the same SDK wired to a local model server or to the offline model), each with its
  observers attached;
- `local_model.py`: a local OpenAI-compatible server as the model behind every vendor (`LocalModel`);
- `local_server.py`: the adapter every client talks to that server through, the one place for the
  differences between servers (imports nothing of the project but `observe`);
- `offline/`: the offline model (rule-based) behind the vendors' real wire protocols;
- `cassette/`: every model call of a run recorded at this edge, to replay the run or fork it;
- `pricing.py`: each vendor's list prices, for a run's estimated cost.

May import: `formats`, `calendar`, `observe` (the edges' hooks and the trace). Never `patterns`,
`tools`, `safeguards` or `aws`: a model cannot know which pattern calls it (`offline/` imports
nothing of the project but `formats`).
"""
