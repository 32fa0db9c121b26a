from mercury_spotify.cli import main

main()
