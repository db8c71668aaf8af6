{% macro decimal_product(left, right, scale=10) %}
    {#- left * right rounded to decimal(38, scale): always exactly
        cast(left * right as decimal(38, scale)), without rescaling a
        128-bit decimal on nearly every row (DuckDB's slowest cast). The
        product is guessed in double and rounded; the guess is kept when the
        exact decimal product lies less than half a unit of the last place
        from it (then it is the correctly rounded value whatever the rounding
        rule), and the exact cast decides the other rows (ties, and the few
        products double gets wrong). For products of two decimals whose
        scales add up to more than `scale`. -#}
    {%- set guess -%}
        cast(
            cast({{ left }} as double) * cast({{ right }} as double)
            as decimal(38, {{ scale }})
        )
    {%- endset -%}
    case
        when
            abs(({{ left }}) * ({{ right }}) - {{ guess }})
            < 0.{{ '0' * scale }}5
            then {{ guess }}
        else cast(({{ left }}) * ({{ right }}) as decimal(38, {{ scale }}))
    end
{%- endmacro %}
