"""The usage-rating core: pure Python + Polars, no Django import (it must run in a Spark executor)."""
