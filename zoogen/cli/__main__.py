from zoogen.cli import main

main()
