from skylift.cli import main

main()
