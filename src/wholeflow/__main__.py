from wholeflow.cli.main import run

run()
