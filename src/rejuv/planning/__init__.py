"""Pure planning calculators: session plans, PRP preparation, mesotherapy cocktails and face-chart geometry.

Nothing here reads the clock, the network or a database, and nothing imports a shell framework: every function
takes its data (the knowledge base's planning files, a course, a date) as arguments, so the CLI, the web app
and the tests drive exactly the same code. `data.py` is the one module that reads files, and only the YAML
that ships inside the package.
"""
