from cnntune.cli import main

main()
