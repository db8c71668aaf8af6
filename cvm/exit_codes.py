"""Exit codes of every command of the warehouse job, for schedulers.

0 success; 1 a data, test or expectation failure (nothing published);
2 a crash or bad configuration; 3 another run holds the lock.
"""

EXIT_OK, EXIT_FAILED, EXIT_CRASH, EXIT_LOCKED = 0, 1, 2, 3
