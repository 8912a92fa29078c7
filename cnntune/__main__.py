from cnntune._entry import main

main()
