import sys

from tools.bench.cli import main

if sys.argv[1:2] == ["compare"]:
    from tools.bench import compare

    compare.main(sys.argv[2:])
elif sys.argv[1:2] == ["capacity"]:
    from tools.bench import capacity

    capacity.main(sys.argv[2:])
elif sys.argv[1:2] == ["targets"]:
    from tools.bench import targets

    targets.main(sys.argv[2:])
else:
    main()
