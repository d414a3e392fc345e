"""A bug-hunt script for the tests: it reports a bad accuracy until fixed."""

import json

ACCURACY = 0.5  # BUG: should be 0.95
print("RESULT " + json.dumps({"val_acc": ACCURACY}))
