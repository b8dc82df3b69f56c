/**
 * Runs the property-test example (examples/property.test.ts): importing it
 * registers its suites here, so the example is a test like any other.
 */
import "../examples/property.test.js"
