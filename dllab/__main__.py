"""`python -m dllab` is the same as the `dllab` command."""

from dllab.cli import main

if __name__ == "__main__":
    main()
