"""The usage-rating core: pure Python + Polars, no Django import (it runs in Spark executors)."""
