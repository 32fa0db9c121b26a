"""In-database transformation: the dbt project and the code that runs it."""
