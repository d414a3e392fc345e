import sys

import torch

print("giving up early", torch.__version__ is not None)
sys.exit(3)
