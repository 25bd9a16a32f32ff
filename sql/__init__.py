"""DuckDB SQL, one file per table or query, loaded by name: `load("marts/area_summary")`."""

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    resource = files("sql").joinpath(f"{name}.sql")
    if not resource.is_file():
        raise FileNotFoundError(f"no SQL file sql/{name}.sql")
    return resource.read_text(encoding="utf-8")
