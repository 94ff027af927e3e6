from qiwang.cli import main

main()
