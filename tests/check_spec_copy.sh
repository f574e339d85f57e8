#!/bin/sh
# policy/data/lambda-actions.json is the specification's action table copied verbatim. Where the
# specification folder is at hand, name it in GATEHOUSE_SPEC_DIR and this compares the two; a clone
# without it skips (ctest shows the test as skipped, with this message).
root=${1:-.}
if [ -z "$GATEHOUSE_SPEC_DIR" ] || [ ! -f "$GATEHOUSE_SPEC_DIR/lambda-actions.json" ]; then
  echo "spec_copy: skipped: set GATEHOUSE_SPEC_DIR to the specification folder holding lambda-actions.json to compare"
  exit 77
fi
if cmp -s "$root/policy/data/lambda-actions.json" "$GATEHOUSE_SPEC_DIR/lambda-actions.json"; then
  echo "spec_copy: policy/data/lambda-actions.json is the specification's file verbatim"
  exit 0
fi
echo "spec_copy: policy/data/lambda-actions.json differs from $GATEHOUSE_SPEC_DIR/lambda-actions.json:"
diff "$root/policy/data/lambda-actions.json" "$GATEHOUSE_SPEC_DIR/lambda-actions.json" | head -n 20
exit 1
